import sys

from bookkit.build import main

sys.exit(main())
