import sys

from tfedu.serving.cli import main

sys.exit(main())
