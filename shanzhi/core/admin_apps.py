"""``django.contrib.admin`` with Shanzhi's admin site; listed in INSTALLED_APPS in its place.

Kept out of ``core/apps.py`` so that module keeps exactly one AppConfig (Django picks it).
"""

from django.contrib.admin.apps import AdminConfig


class ShanzhiAdminConfig(AdminConfig):
    default_site = "shanzhi.core.admin_site.ShanzhiAdminSite"
