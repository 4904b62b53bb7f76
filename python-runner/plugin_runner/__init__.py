"""Child process of influxdb3-engine's Processing Engine: runs one trigger's Python plugin.

Run as ``python -m plugin_runner`` with ``python-runner`` on the path; speaks msgpack
frames on stdin/stdout (see ``PROTOCOL.md``).
"""

__version__ = "0.1.0"
