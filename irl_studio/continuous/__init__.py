"""The continuous engine: a point mass among walls (a Gymnasium environment), reward and policy networks, and the
maximum-entropy RL inner loop of the sample-based IRL algorithms. No Qt; it does not import the algorithms.

What the continuous tab calls (every call is plain Python, safe in a worker thread):

* the plane: :mod:`.plane` — ``Plane`` (mutable; ``validate()``), ``load_plane`` / ``save_plane``,
  ``builtin_plane(name)``, ``builtin_plane_names()``, ``Plane.is_free(points)``, ``Plane.move(p, d)``;
* demonstrations: :mod:`.demos` — ``demo_from_drag(plane, points) -> DragResult`` (resampled, stops at a wall, says
  why), ``expert_demos(plane, n, seed)`` (the exact planner, ~0.5 s), ``load_plane_demos`` / ``save_plane_demos``,
  ``validate_demos`` (messages name the trajectory and the step);
* learning: ``irl_studio.algorithms.get_sample_based("airl" | "gail" | "gcl")(plane, demos, config, seed)``, a
  :class:`~irl_studio.core.steppable.Steppable` whose ``step()`` (~0.2-0.3 s on the built-in maze) returns a
  ``PlaneSnapshot`` (reward grid over the plane, a few rollouts, metrics); ``reward_grid(n)``, ``save_networks``;
* transfer: :mod:`.transfer` — ``plan_transfer(plane, reward) -> PlanResult`` (exact planner, 0.1-0.5 s),
  ``RLTransfer`` (a steppable fresh PPO policy), ``policy_on_plane(policy, plane)``;
* files: :mod:`.rewardgrid` (``.json`` / ``.npz``), :mod:`.nets` (``.safetensors``);
* Gymnasium environments: :mod:`.gym_envs` (``make_gym_task("gym:Pendulum-v1", n)``: the vector env, its horizon,
  termination treatment and 2D state slice), :mod:`.expert` (trained experts, their files, recorded
  demonstrations), :mod:`.imitation_io` (``imitation``'s ``.npz`` Trajectory layout), :mod:`.wrapper`
  (``LearnedRewardWrapper``: an env whose reward is the learned one); the algorithms on them:
  ``irl_studio.algorithms.gym_run.build_gym_algo`` and ``gym_reward_grid(algo, n)`` (the reward over the slice).
"""
