# unit.mk -- what each unit test links: the module under test and nothing
# it could lean on by accident.  test_X_SRCS lists sources, test_X_LIBS
# extra libraries.
test_log_SRCS	= src/log.c
