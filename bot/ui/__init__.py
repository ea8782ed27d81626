"""What the person sees: replies, keyboards, menus and cards."""
