"""labctl: hardware-in-the-loop lab control for optical cloud computing."""
__version__ = "0.1.0"
