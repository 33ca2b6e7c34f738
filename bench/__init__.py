# Make nova's eventlet-or-threads choice before anything imports eventlet,
# as the test packages do.
import tests  # noqa: F401
