"""A run of a return killed (SIGKILL) at one stage boundary, as a crash would end it:
``python tests/killed_run.py RETURN PERIOD STAGE before|after``."""

import os
import signal
import sys

import flows.skeleton as skeleton
import tasks.render as render
import tasks.validate as validate
from flows import registry

# Each stage the run passes, by the name the flow calls it under.
STAGES = {
    "collect": (skeleton, "collect"),
    "validate source": (validate, "validate_source"),
    "assemble": (skeleton, "assemble"),
    "validate return": (validate, "validate_return"),
    "move into place": (render, "move_into_place"),
    "record": (skeleton, "finish_run"),
    "publish": (skeleton, "publish"),
}


def killing(stage: str, when: str):
    module, name = STAGES[stage]
    original = getattr(module, name)

    def killed(*args, **kwargs):
        if when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        original(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)

    setattr(module, name, killed)


if __name__ == "__main__":
    return_id, period, stage, when = sys.argv[1:5]
    killing(stage, when)
    registry.flow_of(return_id)(period=period, authority="demo")
    sys.exit("the run was not killed")
