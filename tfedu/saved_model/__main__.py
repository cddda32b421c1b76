"""`python -m tfedu.saved_model show --dir D [--all | --tag_set T [--signature_def S]]`."""

import sys

from tfedu.saved_model.cli import main

sys.exit(main())
