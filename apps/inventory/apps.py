from django.utils.translation import gettext_lazy as _

from common.context_app import ContextAppConfig


class InventoryConfig(ContextAppConfig):
    default = True
    name = "apps.inventory"
    label = "inventory"
    verbose_name = _("Inventory and resources")
