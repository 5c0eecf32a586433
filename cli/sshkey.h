/* cli/sshkey.h - ssh deploy key pairs (mbedTLS): generated, or the public half of a PEM file. */
#ifndef CFLUX_CLI_SSHKEY_H
#define CFLUX_CLI_SSHKEY_H

#include <stddef.h>

/* A new key pair: algo "ecdsa" (curve p256|p384|p521) or "rsa" (bits); "ed25519" is refused.
 * *private_pem (free with cli_ssh_key_free) and *public_line (cf_free; "type base64\n") are
 * new strings. 0, or the exit code after printing the error (2 for a bad flag value). */
int  cli_ssh_keygen(char **private_pem, char **public_line, const char *algo, const char *curve, long bits);
/* The authorized_keys line of a PEM RSA or ECDSA private key (password may be NULL). */
int  cli_ssh_public_key(char **public_line, const char *pem, size_t len, const char *password);
/* Wipes and frees a private key; safe on NULL. */
void cli_ssh_key_free(char *private_pem);

#endif
