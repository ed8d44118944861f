"""gunicorn hooks for the fault tests: SIGUSR2 makes a worker print every thread's stack
to the error log (to see what a request that does not answer is waiting for)."""

import faulthandler
import signal
import sys


def post_worker_init(worker) -> None:  # noqa: ANN001
    faulthandler.register(signal.SIGUSR2, file=sys.stderr, all_threads=True)
