"""Area pages: ``map`` (map, grid card, area detail) and ``tools`` (locate, boundary import)."""
