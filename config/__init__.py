"""Configuration of the batch layer: the YAML files beside this module and the typed settings object."""

from config.settings import PROJECT_ROOT, Settings, SettingsError, get_settings, load_settings

__all__ = ["PROJECT_ROOT", "Settings", "SettingsError", "get_settings", "load_settings"]
