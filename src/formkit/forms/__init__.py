"""Form definitions and the indicator catalogue, loaded from ``forms/``."""

from formkit.forms.catalogue import Catalogue, load_catalogue
from formkit.forms.loader import form_ids, load_form
from formkit.forms.model import Field, Form, Section

__all__ = ["Catalogue", "Field", "Form", "Section", "form_ids", "load_catalogue", "load_form"]
