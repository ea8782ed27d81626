"""The UKM Telegram bot: an aiogram 3 client of the mesh, acting for each person.

    settings = BotSettings()          # UKM_TELEGRAM_BOT_TOKEN, UKM_MESH_ADDRESS, UKM_REDIS_URL…
    app = build(settings)             # bot, dispatcher, middlewares, routers, mesh client
    await run(app)                    # long polling, or a webhook when UKM_BOT_WEBHOOK_URL is set

Layout: `mesh/` (typed façades over the services, sessions, the bot's error tree),
`middlewares/` (errors, duplicates, rate limit, person), `flows/` (one router per
conversation), `ui/` (replies, keyboards, menus, cards), `logic/` (pure input rules),
`locales/` (ru, uz, en), `callbacks/` (every button's data), `media.py` (MediaStore).
"""

from bot.app import BotApp, build
from bot.serve import poll, run, webhook_server
from bot.settings import BotSettings

__all__ = ["BotApp", "BotSettings", "build", "poll", "run", "webhook_server"]
