"""`python -m tfedu.teach [lessonNN ...]`: print the teacher's answer key."""

import sys

from tfedu.teach.key import answer_key


def main(argv: list[str]) -> int:
    for lesson in argv or [None]:
        print(answer_key(lesson))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
