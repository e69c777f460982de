"""The product's own date and number formats (FORMAT_MODULE_PATH), where Django's differ."""
