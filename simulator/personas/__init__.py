"""The persona model and library, cards, the studio's editing, probing a persona on the model."""
