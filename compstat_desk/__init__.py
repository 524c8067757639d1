"""compstat-desk: Compstat-style performance meetings on one laptop, offline."""

__version__ = "0.1.0"
