"""The continuous engine: a point mass among walls (a Gymnasium environment), reward and policy networks, and the
maximum-entropy RL inner loop of the sample-based IRL algorithms. No Qt."""
