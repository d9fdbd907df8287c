from irl_studio.cli import main

raise SystemExit(main())
