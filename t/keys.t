#!/usr/bin/perl

# The keys commands (issue 19): "onestop key add|list|revoke" and
# "onestop qr-key rotate" write files that nginx reads as they are (its
# comment lines with the creation times included), through nginx: a key
# added writes, a key of an agency's scope is refused outside it, a
# revoked key is refused after a reload, a receipt signed with the old QR
# key still opens after a rotation and one of the new key opens too.  The
# files are 0600 after every command, even when they were 0644 before,
# replaced whole (a new inode, no temporary file left), and a key is
# printed once and stored nowhere.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(hmac_sha256 sha256_hex);
use Encode qw(decode encode);
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

local $SIG{ALRM} = sub { BAIL_OUT('keys.t did not finish in 120 s') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new(today => '2024-06-15');
my $dir = $t->dir;
my $CLI = $Onestop::Test::CLI;
my $keys = "$dir/keys";
my $qr = "$dir/qr.key";

# the CLI: (exit status, stdout, stderr), text in and out as UTF-8
sub run (@args) {
    my $cmd = join ' ', map { Onestop::Test::quote(encode('UTF-8', $_)) }
        $CLI, @args;
    system("$cmd </dev/null >$dir/out 2>$dir/err");
    return ($? >> 8, decode('UTF-8', Onestop::Test::slurp("$dir/out")),
        decode('UTF-8', Onestop::Test::slurp("$dir/err")));
}

sub mode ($f) { sprintf '%04o', (stat $f)[2] & 07777 }

sub record (%m) {
    return $json->encode({
        version => 1, agency => '000.30.01.H36', procedure => '1.000894',
        channel => 'direct', applicant => {name => 'Trương Thị Bé'},
        received_at => '2024-06-10', due_at => '2024-06-20', %m,
    });
}

sub write_as ($key, $code, $agency) {
    return $t->http('POST', '/api/v1/ingest/dossiers',
        headers => {Authorization => "Bearer $key"},
        body => record(code => $code, agency => $agency))->{status};
}

# the token of SPEC 6
sub token ($code, $hexkey) {
    my $mac = hmac_sha256($code, pack('H*', $hexkey));
    return $code . '.' . encode_base64url(substr($mac, 0, 12));
}

# the keys of a QR key file, as nginx reads it (comments skipped)
sub qr_keys () {
    return grep { /\S/ && !/^\s*#/ } map { s/\s+//gr }
        split /\n/, Onestop::Test::slurp($qr);
}

# --- key add ---

my ($rc, $out, $err) = run('key', 'add', '--keys-file', $keys, 'admin', '*');
is($rc, 0, 'key add admin *') or diag($err);
like($out, qr/^onestop_[A-Za-z0-9_-]{43}\n\z/,
    'prints the key alone on stdout');
chomp(my $admin = $out);
like($err, qr/shown this once.*reload nginx/, 'and says what to do on stderr');
is(mode($keys), '0600', 'a new keys file is 0600');
my $text = decode('UTF-8', Onestop::Test::slurp($keys));
unlike($text, qr/\Q$admin\E/, 'the key itself is not in the file');
like($text, qr/^# created \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n${\ sha256_hex($admin)} \* admin\n/m,
    'its SHA-256, scope and name, below the time it was made');

# a file that was 0644 (as "echo >>" left it) is 0600 after the next add
chmod 0644, $keys;
my $ino = (stat $keys)[1];
($rc, $out, $err) = run('key', 'add', '--keys-file', $keys,
    'Một cửa huyện Bến Lức', '000.00.30.H36');
is($rc, 0, 'key add of a district') or diag($err);
chomp(my $district = $out);
is(mode($keys), '0600', 'the keys file is 0600 again');
isnt((stat $keys)[1], $ino, 'the file was replaced, not written in place');
opendir(my $dh, $dir);
is_deeply([grep { /^keys\./ } readdir $dh], [], 'no temporary file is left');

($rc, $out, $err) = run('key', 'add', '--keys-file', $keys, 'admin', '*');
is($rc, 1, 'a second key of the same name is refused');
is($out, '', 'and no key is printed');
like($err, qr/named "admin" is in/, 'and says why');

for my $bad (['bad scope', 'x', 'a b'], ['bad name', '#x', '*'],
    ['no scope', 'lonely'])
{
    my ($what, @args) = @$bad;
    ($rc, $out, $err) = run('key', 'add', '--keys-file', $keys, @args);
    is($rc, 2, "key add: $what is a wrong command line");
}

($rc, $out, $err) = run('key', 'add', '--keys-file', "$dir/no/such/keys",
    'x', '*');
is($rc, 1, 'key add into a missing directory fails');
like($err, qr/install -d -m 0700/, 'and says how to make it');

# a wrong command line is exit 2 before the file is looked at: the
# default /etc/onestop is missing on a machine not yet set up
for my $bad (['no scope', 'lonely'], ['bad scope', 'x', 'a b'],
    ['bad name', '#x', '*'])
{
    my ($what, @args) = @$bad;
    ($rc, $out, $err) = run('key', 'add', '--keys-file',
        "$dir/no/such/keys", @args);
    is($rc, 2, "key add: $what is a wrong command line, the file missing");
    unlike($err, qr/install -d/, "key add: $what: the usage, not the file");
}

# --- key list ---

$t->spew('audit.log', qq({"time":"2024-06-14T10:00:00+07:00","key":"admin","action":"write"}\n)
    . qq({"time":"2024-06-15T09:30:00+07:00","key":"admin","action":"delete"}\n));
($rc, $out, $err) = run('key', 'list', '--keys-file', $keys,
    '--audit-log', "$dir/audit.log");
is($rc, 0, 'key list') or diag($err);
my @rows = split /\n/, $out;
like($rows[0], qr/^NAME\s+SCOPE\s+CREATED\s+LAST USED\s+HASH$/, 'a header');
like($rows[1], qr/^admin\s+\*\s+\d{4}-\d\d-\d\dT\S+Z\s+2024-06-15T09:30:00\+07:00\s+${\ substr(sha256_hex($admin), 0, 12)}$/,
    'admin: scope, created, last used (the audit log\'s last line), hash');
like($rows[2], qr/^Một cửa huyện Bến Lức\s+000\.00\.30\.H36\s+\S+Z\s+-\s+[0-9a-f]{12}$/,
    'a key never used shows -');
is(scalar(@rows), 3, 'two keys');

# --- through nginx ---

$t->spew('catalog.json', Onestop::Test::catalog_json());
is(($t->cli('catalog', "$dir/catalog.json"))[0], 0, 'a catalog');
is(($t->cli('import', '-', \(record(code => 'QR-1',
    resolved_at => '2024-06-12') . "\n")))[0], 0, 'a dossier');

# with --store, each agency of a scope must be in the store's catalog, as
# --help says: a mistyped id made a key that no write would ever pass
{
    my $kf = "$dir/keys-checked";
    my $store = $t->store;
    ($rc, $out, $err) = run('--store', $store, 'key', 'add', '--keys-file',
        $kf, 'typo', '000.00.30.H63');
    is($rc, 2, 'key add --store with an agency not in the catalog: 2')
        or diag($err);
    like($err, qr/\Aonestop: key add: agency "000\.00\.30\.H63" of the scope is not in the catalog of store "\Q$store\E"[^\n]*\n\z/,
        '... one line naming it') or diag($err);
    is($out, '', '... no key printed');
    ok(!-e $kf, '... nothing written');
    ($rc, $out, $err) = run('--store', $store, 'key', 'add', '--keys-file',
        $kf, 'two', '000.00.30.H36,000.99.99.H36');
    is($rc, 2, 'one id of two not in the catalog: 2');
    like($err, qr/"000\.99\.99\.H36"/, '... names that one');
    ($rc, $out, $err) = run('--store', $store, 'key', 'add', '--keys-file',
        $kf, 'district', '000.00.30.H36,000.30.01.H36');
    is($rc, 0, 'ids of the catalog pass') or diag($err);
    for my $scope ('*', 'sms') {
        ($rc, $out, $err) = run('--store', $store, 'key', 'add',
            '--keys-file', $kf, "k-$scope", $scope);
        is($rc, 0, "scope $scope names no agency: passes") or diag($err);
    }
    ($rc, $out, $err) = run('--store', "$dir/no-store", 'key', 'add',
        '--keys-file', $kf, 'nowhere', '000.00.30.H36');
    is($rc, 1, 'no store there: 1');
    like($err, qr/no store at/, '... says so');
    ok(!-e "$dir/no-store", '... and makes none');
}

($rc, $out, $err) = run('qr-key', 'rotate', '--qr-key-file', $qr);
is($rc, 0, 'qr-key rotate creates a QR key file') or diag($err);
like($out, qr/0 older key/, 'with one key');
is(mode($qr), '0600', 'the QR key file is 0600');
my ($first) = qr_keys();
like($first, qr/^[0-9a-f]{64}\z/, 'a key of 32 bytes in hex');

$t->write_standard_conf(serve => [qw(lookup ingest resolve lookup_page)],
    qr_key => 1);
my ($st, $msg) = $t->test_conf;
is($st, 0, 'nginx -t reads both files, comments and all') or diag($msg);
ok($t->start, 'nginx starts') or BAIL_OUT('no nginx');

is(write_as($admin, 'K-1', '000.00.12.H36'), 200, 'the admin key writes');
is(write_as($district, 'K-2', '000.30.02.H36'), 200,
    'the district key writes for its commune');
is(write_as($district, 'K-3', '000.00.12.H36'), 403,
    'and not for a department');
is(write_as('onestop_not-a-key', 'K-4', '000.00.12.H36'), 401,
    'a made-up key is refused');

my $old_token = token('QR-1', $first);
is($t->get("/q/$old_token")->{status}, 200, 'a receipt of the first key opens');

# rotate: the new key first, the old one kept
chmod 0644, $qr;
($rc, $out, $err) = run('qr-key', 'rotate', '--qr-key-file', $qr);
is($rc, 0, 'qr-key rotate') or diag($err);
like($out, qr/1 older key\(s\) kept/, 'keeps the old key');
is(mode($qr), '0600', 'the QR key file is 0600 again');
my @qr = qr_keys();
is(scalar(@qr), 2, 'two keys');
is($qr[1], $first, 'the old key second');
isnt($qr[0], $first, 'a new key first');
unlike($out . $err, qr/$qr[0]|$first/, 'no key is printed');

# revoke the district key
($rc, $out, $err) = run('key', 'revoke', '--keys-file', $keys,
    'Một cửa huyện Bến Lức');
is($rc, 0, 'key revoke') or diag($err);
is(mode($keys), '0600', 'the keys file stays 0600');
$text = decode('UTF-8', Onestop::Test::slurp($keys));
unlike($text, qr/Bến Lức|${\ sha256_hex($district)}/, 'its line is gone');
is(scalar(() = $text =~ /^# created/mg), 1,
    'and its time with it, the admin\'s kept');

# a keys file its group or others may change: whoever may change it may
# give themselves an administrator's key at the next reload
for my $m (0620, 0602, 0666) {
    chmod $m, $keys;
    ($st, $msg) = $t->test_conf;
    isnt($st, 0, sprintf('nginx -t refuses a keys file of mode %04o', $m));
    like($msg, qr/keys file "\Q$keys\E" may be changed by its group or others \(mode ${\ sprintf('%04o', $m)}\), who could add a key of their own: run "chmod go-w \Q$keys\E"/,
        '... saying why and what to run') or diag($msg);
}
chmod 0600, $keys;

($st, $msg) = $t->test_conf;
is($st, 0, 'nginx -t after revoke and rotate') or diag($msg);
ok($t->reload, 'reload');

is(write_as($district, 'K-5', '000.30.02.H36'), 401,
    'the revoked key is refused after the reload');
is(write_as($admin, 'K-6', '000.00.12.H36'), 200, 'the admin key still writes');
is($t->get("/q/$old_token")->{status}, 200,
    'a receipt of the old QR key still opens');
is($t->get('/q/' . token('QR-1', $qr[0]))->{status}, 200,
    'one of the new key opens');
is($t->get('/q/' . token('QR-1', 'ab' x 32))->{status}, 404,
    'one of a key not in the file does not');

($rc, $out, $err) = run('key', 'revoke', '--keys-file', $keys, 'nobody');
is($rc, 1, 'revoking an unknown name fails');

# by the first digits of the hash
my $prefix = substr(sha256_hex($admin), 0, 10);
($rc, $out, $err) = run('key', 'revoke', '--keys-file', $keys, $prefix);
is($rc, 0, 'key revoke by the first digits of the hash') or diag($err);
($rc, $out) = run('key', 'list', '--keys-file', $keys);
is(scalar(split /\n/, $out), 1, 'no key left');

# sixteen QR keys are the most nginx reads
$t->spew('qr16.key', join('', map { sprintf("%064x\n", $_) } 1 .. 16));
my $before = Onestop::Test::slurp("$dir/qr16.key");
($rc, $out, $err) = run('qr-key', 'rotate', '--qr-key-file', "$dir/qr16.key");
is($rc, 1, 'rotate refuses a file of 16 keys');
like($err, qr/holds 16 keys.*remove the oldest/, 'and says what to do');
is(Onestop::Test::slurp("$dir/qr16.key"), $before, 'and changes nothing');

$t->spew('qrbad.key', "not a key\n");
($rc, $out, $err) = run('qr-key', 'rotate', '--qr-key-file', "$dir/qrbad.key");
is($rc, 1, 'rotate refuses a file nginx would refuse');
like($err, qr/line 1: /, 'with the line');

$t->stop;
$t->check_log;

alarm 0;

done_testing;
