/* cli/sshkey.c - ssh key pairs for Git deploy keys with mbedTLS: ECDSA (p256, p384, p521) and
 * RSA generated as flux generates them (the private key as PEM: SEC1 "EC PRIVATE KEY", PKCS#1
 * "RSA PRIVATE KEY"), a PEM private key file read back, and the public key in authorized_keys
 * form ("ecdsa-sha2-nistp384 AAAA...\n"). Ed25519 is not in mbedTLS: refused with the words to
 * use instead. Private key bytes are wiped before they are freed. */
#include "sshkey.h"

#include "cli.h"
#include "util/alloc.h"
#include "util/base64.h"
#include "util/buf.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <string.h>

#define PEM_MAX 16384
#define BLOB_MAX 2048

static const struct {
	const char *flag, *ssh_name, *curve_name;
	mbedtls_ecp_group_id id;
} CURVES[] = {
	{ "p256", "ecdsa-sha2-nistp256", "nistp256", MBEDTLS_ECP_DP_SECP256R1 },
	{ "p384", "ecdsa-sha2-nistp384", "nistp384", MBEDTLS_ECP_DP_SECP384R1 },
	{ "p521", "ecdsa-sha2-nistp521", "nistp521", MBEDTLS_ECP_DP_SECP521R1 },
};

/* An ssh wire string (uint32 length, bytes) appended to blob. */
static int put_string(unsigned char *blob, size_t *at, const void *data, size_t len)
{
	if (*at + 4 + len > BLOB_MAX)
		return -1;
	blob[(*at)++] = (unsigned char)(len >> 24);
	blob[(*at)++] = (unsigned char)(len >> 16);
	blob[(*at)++] = (unsigned char)(len >> 8);
	blob[(*at)++] = (unsigned char)len;
	memcpy(blob + *at, data, len);
	*at += len;
	return 0;
}

/* An ssh mpint: big-endian, a 0 byte in front when the top bit is set. */
static int put_mpint(unsigned char *blob, size_t *at, const mbedtls_mpi *v)
{
	unsigned char buf[1040];
	size_t len = mbedtls_mpi_size(v);

	if (len + 1 > sizeof(buf) || mbedtls_mpi_write_binary(v, buf + 1, len) != 0)
		return -1;
	buf[0] = 0;
	return (buf[1] & 0x80) ? put_string(blob, at, buf, len + 1) : put_string(blob, at, buf + 1, len);
}

/* The authorized_keys line of pk's public key (a new string in *out). */
static int public_line(char **out, mbedtls_pk_context *pk)
{
	unsigned char blob[BLOB_MAX];
	const char *type = NULL;
	char *b64 = NULL;
	size_t at = 0;
	int rc = -1;

	*out = NULL;
	if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_RSA) {
		mbedtls_rsa_context *rsa = mbedtls_pk_rsa(*pk);
		mbedtls_mpi n, e;
		mbedtls_mpi_init(&n);
		mbedtls_mpi_init(&e);
		type = "ssh-rsa";
		rc = mbedtls_rsa_export(rsa, &n, NULL, NULL, NULL, &e) == 0 && put_string(blob, &at, type, strlen(type)) == 0 &&
		     put_mpint(blob, &at, &e) == 0 && put_mpint(blob, &at, &n) == 0 ? 0 : -1;
		mbedtls_mpi_free(&n);
		mbedtls_mpi_free(&e);
	} else if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_ECKEY) {
		mbedtls_ecp_keypair *ec = mbedtls_pk_ec(*pk);
		unsigned char q[200];
		size_t qlen;
		for (size_t i = 0; i < sizeof(CURVES) / sizeof(CURVES[0]); i++)
			if (CURVES[i].id == ec->grp.id) {
				type = CURVES[i].ssh_name;
				rc = mbedtls_ecp_point_write_binary(&ec->grp, &ec->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &qlen, q, sizeof(q)) == 0 &&
				     put_string(blob, &at, type, strlen(type)) == 0 &&
				     put_string(blob, &at, CURVES[i].curve_name, strlen(CURVES[i].curve_name)) == 0 &&
				     put_string(blob, &at, q, qlen) == 0 ? 0 : -1;
			}
	}
	if (rc == 0 && cf_base64_encode(&b64, blob, at) == 0) {
		cf_buf line = CF_BUF_INIT(BLOB_MAX * 2);
		if (cf_buf_printf(&line, "%s %s\n", type, b64) == 0)
			*out = cf_buf_detach(&line, NULL);
		cf_buf_free(&line);
	}
	cf_free(b64);
	return *out ? 0 : cli_fail(1, "cannot write the public key (only RSA and ECDSA p256/p384/p521 keys)");
}

int cli_ssh_keygen(char **private_pem, char **public_line_out, const char *algo, const char *curve, long bits)
{
	mbedtls_pk_context pk;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	unsigned char pem[PEM_MAX];
	int rc = 1, is_rsa = strcmp(algo, "rsa") == 0;
	mbedtls_ecp_group_id id = MBEDTLS_ECP_DP_NONE;

	*private_pem = *public_line_out = NULL;
	if (strcmp(algo, "ed25519") == 0)
		return cli_fail(1, "--ssh-key-algorithm=ed25519: cflux generates ecdsa and rsa keys only (its crypto library has no Ed25519); use --ssh-key-algorithm=ecdsa or rsa, or --private-key-file");
	if (!is_rsa && strcmp(algo, "ecdsa") != 0)
		return cli_fail(CLI_EXIT_USAGE, "invalid argument \"%s\" for \"--ssh-key-algorithm\" flag: unsupported public key algorithm '%s', must be one of: rsa, ecdsa, ed25519", algo, algo);
	for (size_t i = 0; !is_rsa && i < sizeof(CURVES) / sizeof(CURVES[0]); i++)
		if (strcmp(curve, CURVES[i].flag) == 0)
			id = CURVES[i].id;
	if (!is_rsa && id == MBEDTLS_ECP_DP_NONE)
		return cli_fail(CLI_EXIT_USAGE, "invalid argument \"%s\" for \"--ssh-ecdsa-curve\" flag: unsupported curve '%s', must be one of: p256, p384, p521", curve, curve);
	if (is_rsa && (bits < 1024 || bits > 8192 || bits % 8 != 0))
		return cli_fail(CLI_EXIT_USAGE, "invalid argument \"%ld\" for \"--ssh-rsa-bits\" flag: RSA key bit size must be a multiple of 8, between 1024 and 8192", bits);
	mbedtls_pk_init(&pk);
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const unsigned char *)"cflux-ssh-key", 13) != 0 ||
	    mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(is_rsa ? MBEDTLS_PK_RSA : MBEDTLS_PK_ECKEY)) != 0)
		goto out;
	if (is_rsa ? mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk), mbedtls_ctr_drbg_random, &drbg, (unsigned)bits, 65537) != 0
		   : mbedtls_ecp_gen_key(id, mbedtls_pk_ec(pk), mbedtls_ctr_drbg_random, &drbg) != 0)
		goto out;
	if (mbedtls_pk_write_key_pem(&pk, pem, sizeof(pem)) != 0 || (*private_pem = cf_strdup((char *)pem)) == NULL)
		goto out;
	rc = public_line(public_line_out, &pk);
out:
	mbedtls_platform_zeroize(pem, sizeof(pem));
	mbedtls_pk_free(&pk);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	if (rc != 0) {
		cli_ssh_key_free(*private_pem);
		*private_pem = NULL;
		return rc == 1 && *public_line_out == NULL ? cli_fail(1, "key pair generation failed") : rc;
	}
	return 0;
}

int cli_ssh_public_key(char **public_line_out, const char *pem, size_t len, const char *password)
{
	mbedtls_pk_context pk;
	char *copy = cf_malloc(len + 1);
	int rc;

	*public_line_out = NULL;
	if (copy == NULL)
		return cli_fail(1, "out of memory");
	memcpy(copy, pem, len);
	copy[len] = '\0';
	mbedtls_pk_init(&pk);
	rc = mbedtls_pk_parse_key(&pk, (const unsigned char *)copy, len + 1, (const unsigned char *)password,
				  password ? strlen(password) : 0);
	cf_free_secret(copy, len + 1);
	if (rc != 0)
		rc = cli_fail(1, "failed to parse the private key: a PEM RSA or ECDSA key is needed (an OpenSSH-format key can be converted with ssh-keygen -p -m PEM -f FILE)");
	else
		rc = public_line(public_line_out, &pk);
	mbedtls_pk_free(&pk);
	return rc;
}

void cli_ssh_key_free(char *private_pem)
{
	if (private_pem)
		cf_free_secret(private_pem, strlen(private_pem) + 1);
}
