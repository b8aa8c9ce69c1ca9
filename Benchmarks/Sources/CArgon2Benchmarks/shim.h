// libargon2 for the benchmark package (the main package's CArgon2 is not one of its products).
#include <argon2.h>
