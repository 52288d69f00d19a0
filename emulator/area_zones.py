"""NANP area code -> IANA time zone, for calling hours in the callee's local time.

Source: the area codes of each US state and DC as NANPA assigns them (nationalnanpa.com,
"Area Codes by State"), each state mapped to the IANA zone (tzdb) that covers most of its
people. Approximate where a state spans two zones (Florida's panhandle, western Kentucky and
Tennessee, Texas' El Paso, Indiana's corners, the Dakotas, Nebraska, Kansas, Idaho, Oregon):
the table says the zone of the area code's main population. Unknown area codes (and the
fictional 555 numbers' codes are ordinary area codes) fall back to DEFAULT_ZONE.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

DEFAULT_ZONE = "America/New_York"  # numbers whose area code is not in the table

_BY_ZONE = {
    "America/New_York": (
        # CT DE DC FL GA ME MD MA MI NH NJ NY NC OH PA RI SC VT VA WV, eastern IN and KY
        "203 475 860 959 302 202 771 239 305 321 352 386 407 448 561 656 689 727 754 772 786 813 863 904 941 954 "
        "229 404 470 478 678 706 762 770 912 943 207 227 240 301 410 443 667 339 351 413 508 617 774 781 857 978 "
        "231 248 269 313 517 586 616 679 734 810 947 989 603 201 551 609 640 732 848 856 862 908 973 "
        "212 315 332 347 363 516 518 585 607 631 646 680 716 718 838 845 914 917 929 934 "
        "252 336 472 704 743 828 910 919 980 984 216 220 234 283 326 330 380 419 436 440 513 567 614 740 937 "
        "215 223 267 272 412 445 484 570 582 610 717 724 814 835 878 401 803 839 843 854 864 802 "
        "276 434 540 571 686 703 757 804 826 948 304 681 317 463 765 260 574 502 606 859"
    ),
    "America/Chicago": (
        # AL AR IL IA LA MN MS MO OK WI, most of TX KS NE SD ND, western TN and KY
        "205 251 256 334 659 938 327 479 501 870 217 224 309 312 331 447 464 618 630 708 730 773 779 815 847 872 "
        "319 515 563 641 712 225 318 337 504 985 218 320 507 612 651 763 952 228 601 662 769 "
        "314 417 557 573 636 660 816 975 405 539 572 580 918 262 274 353 414 534 608 715 920 "
        "210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 903 936 940 945 956 972 979 "
        "316 620 785 913 308 402 531 605 701 423 615 629 731 865 901 931 270 364 219 812 930 850"
    ),
    "America/Denver": "303 719 720 970 983 406 505 575 307 385 435 801 208 986 915",
    "America/Phoenix": "480 520 602 623 928",
    "America/Los_Angeles": (
        "209 213 279 310 323 341 350 369 408 415 424 442 510 530 559 562 619 626 628 650 657 661 669 707 714 747 "
        "760 805 818 820 831 840 858 909 916 925 949 951 702 725 775 458 503 541 971 206 253 360 425 509 564"
    ),
    "America/Anchorage": "907",
    "Pacific/Honolulu": "808",
}

ZONES: dict[str, str] = {code: zone for zone, codes in _BY_ZONE.items() for code in codes.split()}


def zone_of(e164: str) -> ZoneInfo:
    """The time zone of a NANP number (``+1`` and ten digits), from its area code."""
    area = e164[2:5] if e164.startswith("+1") else ""
    return ZoneInfo(ZONES.get(area, DEFAULT_ZONE))
