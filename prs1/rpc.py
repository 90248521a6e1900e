"""The RPC endpoints of every context's contract interface (common.contracts), mounted on the
integration API at /api/v1/rpc/<context>/<method>. A remote implementation of a contract is an HTTP
client of exactly these endpoints; they call the local implementation of this process.

Only internal services call them: the service token is required, and the caller's scope comes
in `X-PRS1-Scope` (apps.auth.contracts.request_scope)."""

from __future__ import annotations

import inspect
from importlib import import_module, util

from django.conf import settings

from apps.auth.contracts import ServiceTokenAuth, request_scope
from common.contracts import Contract, rpc_router


def contract_interfaces() -> list[type[Contract]]:
    """Every context's contract interface: the Contract subclasses declared in apps.<ctx>.contracts."""
    found: list[type[Contract]] = []
    for app_path in settings.CONTEXT_APPS:
        module_name = f"{app_path}.contracts"
        if util.find_spec(module_name) is None:
            continue
        module = import_module(module_name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Contract) and value.__module__ == module_name and "context" in value.__dict__:
                found.append(value)
    return found


router = rpc_router(contract_interfaces(), auth=[ServiceTokenAuth()], scope_of_request=request_scope)
