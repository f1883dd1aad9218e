# Placed before the solution: an endless loop at import.
while True:
    pass
