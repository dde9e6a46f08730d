# The fixtures live in tests/browser/fixtures.py, a plugin of the whole suite; older imports
# from here keep working.
from tests.browser.fixtures import *  # noqa: F401,F403
from tests.browser.fixtures import assert_accessible  # noqa: F401
