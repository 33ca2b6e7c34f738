# nova decides between eventlet and native threads once per process, before
# anything imports eventlet (futurist would, through nova's modules): every
# test process makes that choice first, as nova's own test packages do.
from nova import monkey_patch

monkey_patch.patch()
