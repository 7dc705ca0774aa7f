"""Channel connections: Facebook Messenger, Instagram, LINE and WhatsApp Cloud API."""

from chalicelib.channels.credentials import configure_channel, get_channel_config
from chalicelib.channels.spec import CHANNELS

__all__ = ["CHANNELS", "configure_channel", "get_channel_config"]
