"""The 2D Ising model's data set (NB12 of Mehta et al.): configurations from a
Swendsen–Wang Monte Carlo, their phase labels and critical set, their check
against Onsager's exact solution, and the figures of the phase study."""
