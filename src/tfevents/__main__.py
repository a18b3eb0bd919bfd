import sys

from tfevents.cli import main

sys.exit(main())
