"""The content library: learning and entertainment for inmates, and urgent notices."""
