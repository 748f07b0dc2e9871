"""One practice conversation: the turn loop, the persona's state, the prompt, the reply guards,
the transcript."""
