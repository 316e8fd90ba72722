from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "COMESA migration statistics portal"
    default_auto_field = "django.db.models.BigAutoField"
