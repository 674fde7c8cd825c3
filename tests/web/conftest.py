from tests.web.fixtures import *  # noqa: F401,F403
