"""Questions of `config set`."""

from __future__ import annotations

from hostctl import prompts
from hostctl.ask import choice, read
from hostctl.i18n import _, language


def setting_key(value: str | None) -> str:
    from hostctl.core import settings

    return choice(value, "KEY", _("Setting:"), list(settings.KNOWN))


def setting_value(value: str | None, key: str) -> str:
    from hostctl.core import settings

    if value is not None:
        return value
    if not prompts.allowed():
        raise prompts.missing("VALUE")
    current = read(settings.get_known, key)
    return prompts.text(
        _("Value of {key}:").format(key=key),
        option="VALUE",
        default=current,
        check=lambda raw: settings.validate(key, raw, language=language()),
    )
