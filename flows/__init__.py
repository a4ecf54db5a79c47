"""One module per return (its declaration and flow), and the skeleton that runs them."""
