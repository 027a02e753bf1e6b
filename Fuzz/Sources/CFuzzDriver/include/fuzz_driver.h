#include <stddef.h>
#include <stdint.h>
/* libFuzzer's entry for a program with its own main (SwiftPM gives an executable
   target its own, renamed main, so libFuzzer's main is never linked). */
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
