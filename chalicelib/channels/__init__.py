"""Channel connections: Facebook Messenger, Instagram, LINE and WhatsApp Cloud API, one adapter each.

- :mod:`registry`: the adapters in one table (``adapter_for``, ``spec_for``, ``CHANNELS``);
- :mod:`adapter`: the one interface (read a delivery, check a signature, send, fetch a profile, limits);
- :mod:`messenger`, :mod:`instagram`, :mod:`whatsapp` (sharing :mod:`meta`), :mod:`line`: the platforms;
- :mod:`events`, :mod:`outbound`: what comes in and what goes out, whatever the platform;
- :mod:`transport`: the HTTP client; :mod:`credentials`: what a store configures per channel.
"""

from chalicelib.channels.credentials import configure_channel, get_channel_config
from chalicelib.channels.registry import CHANNELS, adapter_for, spec_for

__all__ = ["CHANNELS", "adapter_for", "configure_channel", "get_channel_config", "spec_for"]
