"""Channel connections: Facebook Messenger, Instagram, LINE and WhatsApp Cloud API."""

from chalicelib.channels.credentials import CHANNELS, channel_view, configure_channel, get_channel_config

__all__ = ["CHANNELS", "channel_view", "configure_channel", "get_channel_config"]
