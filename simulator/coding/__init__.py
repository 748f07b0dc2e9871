"""The behaviour coder (rules and the learned model), its labelled corpus and its agreement with
people."""
