# shellcheck shell=sh
# certs.sh - a private CA and the server certificates the integration
# tests serve, shared by the private servers (prosody.sh, ejabberd.sh).
#
# Source after test-lib.sh.  certs_make DIR writes, in DIR:
#
#   ca.key ca.crt                the test CA (what clients are told to trust)
#   localhost.key localhost.crt  "good": signed by the CA, for localhost
#                                and conference.localhost
#   untrusted.key untrusted.crt  self-signed, for the same names
#   wrongname.key wrongname.crt  signed by the CA, for wrong.example
#   upload.key upload.crt        signed by the CA, for localhost and
#                                upload.localhost (HTTP upload services)
#
# Keys are P-256 and certificates last 2 days: cheap to make at every
# test.  certs_file KIND prints the base name of a kind's files.

# _ct_cert DIR NAME EXTSECTION SUBJECT [signed]: make NAME.key and
# NAME.crt; signed by DIR/ca.crt when the 5th argument is given,
# self-signed otherwise.
_ct_cert() {
	_ct_dir=$1 _ct_name=$2 _ct_ext=$3 _ct_subj=$4
	if [ -n "${5:-}" ]; then
		set -- -CA "$_ct_dir/ca.crt" -CAkey "$_ct_dir/ca.key"
	else
		set --
	fi
	openssl req -x509 -config "$_ct_dir/openssl.cnf" \
		-extensions "$_ct_ext" "$@" \
		-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "$_ct_subj" -keyout "$_ct_dir/$_ct_name.key" \
		-out "$_ct_dir/$_ct_name.crt" 2>"$_ct_dir/openssl.err" || {
		diag "openssl failed making $_ct_name.crt:"
		sed 's/^/    /' "$_ct_dir/openssl.err" >&2
		return 1
	}
}

# certs_make DIR: the CA and the three kinds of server certificate, in
# DIR (created if need be).
certs_make() {
	mkdir -p "$1" || return 1
	cat >"$1/openssl.cnf" <<-'EOF' || return 1
	[req]
	distinguished_name = dn
	[dn]
	[ca]
	basicConstraints = critical,CA:TRUE
	keyUsage = critical,keyCertSign,cRLSign
	subjectKeyIdentifier = hash
	[localhost]
	basicConstraints = critical,CA:FALSE
	keyUsage = critical,digitalSignature,keyEncipherment
	extendedKeyUsage = serverAuth
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid
	subjectAltName = DNS:localhost,DNS:conference.localhost
	[untrusted]
	basicConstraints = critical,CA:FALSE
	keyUsage = critical,digitalSignature,keyEncipherment
	extendedKeyUsage = serverAuth
	subjectKeyIdentifier = hash
	subjectAltName = DNS:localhost,DNS:conference.localhost
	[wrongname]
	basicConstraints = critical,CA:FALSE
	keyUsage = critical,digitalSignature,keyEncipherment
	extendedKeyUsage = serverAuth
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid
	subjectAltName = DNS:wrong.example
	[upload]
	basicConstraints = critical,CA:FALSE
	keyUsage = critical,digitalSignature,keyEncipherment
	extendedKeyUsage = serverAuth
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid
	subjectAltName = DNS:localhost,DNS:upload.localhost
	EOF
	_ct_cert "$1" ca ca "/CN=xmppd test CA" &&
		_ct_cert "$1" localhost localhost /CN=localhost signed &&
		_ct_cert "$1" untrusted untrusted /CN=localhost &&
		_ct_cert "$1" wrongname wrongname /CN=wrong.example signed &&
		_ct_cert "$1" upload upload /CN=upload.localhost signed
}

# certs_file KIND [GOOD]: the base name (in the DIR of certs_make) of the
# files of KIND: good (GOOD, default localhost), untrusted or wrongname.
# Fails on any other kind.
certs_file() {
	case $1 in
	good) echo "${2:-localhost}" ;;
	untrusted|wrongname) echo "$1" ;;
	*) diag "unknown certificate kind '$1' (good, untrusted, wrongname)"; return 1 ;;
	esac
}
