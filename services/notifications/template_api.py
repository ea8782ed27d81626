"""Templates through the API: listing, reading, editing, resetting and previewing them (the
template half of the NotificationService servicer; managers only, by the matrix)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TypeAlias

import grpc
from ukm.notifications.v1 import notifications_service_pb2 as pb

from services.kit.context import current_caller
from services.notifications import mapping
from services.notifications.access import actor_of
from services.notifications.template_store import TemplateStore
from services.notifications.templates import check_edit, render

Context: TypeAlias = grpc.aio.ServicerContext

# What a preview shows for a placeholder the manager gave no value for.
SAMPLES: Mapping[str, str | tuple[str, ...]] = {
    "number": "251125-007",
    "category": "plumbing",
    "urgency": "high",
    "specialization": "plumber",
    "address": "ЖК Olmazor · ул. Чиланзар, 12 · кв. 45",
    "description": "Течёт труба под раковиной на кухне",
    "question": "Подскажите, течёт ли ещё?",
    "comment": "Материалы привезли",
    "reason": "Течь не устранена",
    "report": "Заменили сифон",
    "materials": "Сифон 1 шт",
    "rating": "5",
    "review": "Спасибо!",
    "changes": "urgency: medium → high",
    "due": "25.11.2025 14:30",
    "clock": "resolution",
    "documents": ("passport", "property_deed"),
    "reset_token": "sample-token",
    "expires": "25.11.2025 15:00",
    "until": "25.11.2025 14:45",
    "failed_attempts": "10",
}


class TemplateRpcs:
    """What managers read and change of the message texts."""

    templates: TemplateStore
    clock: Callable[[], datetime]

    async def ListTemplates(
        self, request: pb.ListTemplatesRequest, context: Context
    ) -> pb.ListTemplatesResponse:
        """Every template (whose key starts with `prefix`)."""
        views = await self.templates.views(request.prefix)
        return pb.ListTemplatesResponse(templates=[mapping.template(v) for v in views])

    async def GetTemplate(
        self, request: pb.GetTemplateRequest, context: Context
    ) -> pb.GetTemplateResponse:
        """One template."""
        return pb.GetTemplateResponse(
            template=mapping.template(await self.templates.view(request.key))
        )

    async def UpdateTemplate(
        self, request: pb.UpdateTemplateRequest, context: Context
    ) -> pb.UpdateTemplateResponse:
        """A new text in one language; refused with what to fix when it uses unknown fields."""
        await self.templates.update(
            request.key,
            request.language,
            request.text,
            by=actor_of(current_caller()),
            now=self.clock(),
        )
        return pb.UpdateTemplateResponse(
            template=mapping.template(await self.templates.view(request.key))
        )

    async def ResetTemplate(
        self, request: pb.ResetTemplateRequest, context: Context
    ) -> pb.ResetTemplateResponse:
        """The shipped text again, in one language or all."""
        await self.templates.reset(request.key, request.language or None)
        return pb.ResetTemplateResponse(
            template=mapping.template(await self.templates.view(request.key))
        )

    async def PreviewTemplate(
        self, request: pb.PreviewTemplateRequest, context: Context
    ) -> pb.PreviewTemplateResponse:
        """The template (or a draft) rendered with the given data and samples for the rest."""
        catalogue = await self.templates.catalogue()
        view = await self.templates.view(request.key)  # refuses unknown keys
        if request.text:
            check_edit(catalogue, request.key, request.language, request.text)
            catalogue = catalogue.with_text(request.key, request.language, request.text)
        data = {name: SAMPLES.get(name, f"<{name}>") for name in view.template.fields}
        data.update(request.data)
        rendered = render(catalogue, request.key, request.language, data)
        return pb.PreviewTemplateResponse(
            html=rendered.html,
            text=rendered.text,
            subject_line=rendered.subject,
            warnings=list(rendered.warnings),
        )
