"""stub"""

from api.console.deps import console_router

router = console_router(prefix="/app")
