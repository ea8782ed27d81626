"""Update middlewares, outermost first: errors → duplicates → rate limit → person."""

from bot.middlewares.dedup import DedupMiddleware
from bot.middlewares.errors import ErrorsMiddleware
from bot.middlewares.person import PersonMiddleware
from bot.middlewares.ratelimit import RateLimitMiddleware

__all__ = ["DedupMiddleware", "ErrorsMiddleware", "PersonMiddleware", "RateLimitMiddleware"]
