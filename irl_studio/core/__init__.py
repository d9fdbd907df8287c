"""The Qt-free engine: layouts, the tabular MDP, features, planning, demonstrations, metrics."""
