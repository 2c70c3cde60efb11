"""The asset detail page's components: header, navigator, metric cards, value widgets, viewers."""
