#!/usr/bin/perl

# A full disk (SPEC section 5: "507 store full (MDB_MAP_FULL, disk full)"):
# the store on a 20 MB tmpfs with a map far larger, so that the disk, not
# the map, runs out.  Batches are written until the disk is full, several
# times over (a filler file is removed between episodes): every write that
# fails is a 507 with the error object, the error log has one line per
# episode that says what to do and no [alert]; deletes, catalogs and
# evaluations on the full disk are 507 too when they fail; the CLI says
# "disk is full" and exits non-zero; every acknowledged record is there
# afterwards and `onestop verify` is clean; once space is freed, writes
# succeed again without a restart.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(hmac_sha256 sha256_hex);
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

plan skip_all => 'mounting a tmpfs needs root' if $> != 0;

my $json = JSON::PP->new->utf8->canonical;

my $EPISODES = 4;     # fills of the disk
my $SIZE = 100;       # records per batch
my $MAXBATCHES = 400; # per fill: the disk is full long before

local $SIG{ALRM} = sub { BAIL_OUT('diskfull.t did not finish in 300 s') };
alarm 300;

my $t = Onestop::Test->new(today => '2024-06-15');
my $dir = $t->dir;
my $disk = "$dir/disk";
mkdir $disk or die "$disk: $!";
# the CLI's store ($dir/store) is the one on the tmpfs
symlink("$disk/store", "$dir/store") or die "$dir/store: $!";

my $out = `mount -t tmpfs -o size=20m tmpfs '$disk' 2>&1`;
plan skip_all => "could not mount a tmpfs on $disk: $out" if $? != 0;
my $mounted = 1;

# nginx holds the store's files: stopped before the tmpfs goes
END {
    if ($mounted) {
        $t->stop if $t;
        system('umount', $disk) == 0 or system('umount', '-l', $disk);
    }
}

# fillers: 2 MB left for the store at first, and 2 MB more after each
# episode (room again is 1 MB free), so that each fill is quick
sub filler ($name, $mb) {
    my $f = "$disk/$name";
    open(my $fh, '>:raw', $f) or die "$f: $!";
    print $fh "\0" x (1024 * 1024) for 1 .. $mb;
    close $fh or die "$f: $!";
    return $f;
}

my @fillers = map { filler("filler-$_", 2) } 1 .. $EPISODES;
filler('filler-base', 10);

my $QRKEY = ('5e' x 16) . ('a1' x 16);
$t->spew('keys', sha256_hex('full-admin-key') . " * admin\n");
$t->spew('qr.key', "$QRKEY\n");
$t->write_conf(<<"END");
    onestop_store $disk/store map_size=256m;
    onestop_ingest_keys %%DIR%%/keys;
    onestop_qr_key %%DIR%%/qr.key;
    onestop_public_url http://localhost;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /api/v1/dossiers/ { onestop_lookup json; }

        location /api/v1/ingest/ {
            onestop_ingest;
            client_max_body_size 8m;
        }

        location /api/v1/evaluations { onestop_evaluate; }
    }
END

ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %auth = (Authorization => 'Bearer full-admin-key');

my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%auth,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog written') or diag($r->{content});

my @agencies = qw(000.00.12.H36 000.00.15.H36 000.30.01.H36 000.30.02.H36
    000.31.01.H36);
my @procedures = qw(1.001234 1.009999 1.000894);

# what compression cannot shrink
sub noise ($code) {
    return join '', map { sha256_hex("$code $_") } 1 .. 3;
}

sub record ($code, $k) {
    my $day = 1 + $k % 14;
    return {
        code => $code,
        version => 1,
        agency => $agencies[$k % @agencies],
        procedure => $procedures[$k % @procedures],
        channel => (qw(direct online postal))[$k % 3],
        applicant => {name => "Nguyễn Văn Số $k " . noise($code)},
        received_at => sprintf('2024-05-%02dT08:00:00+07:00', $day),
        due_at => sprintf('2024-05-%02dT17:00:00+07:00', $day + 10),
        resolved_at => sprintf('2024-05-%02dT10:00:00+07:00', $day + 5),
    };
}

sub body (@codes) {
    my $k = 0;
    return join '', map { $json->encode(record($_, $k++)) . "\n" } @codes;
}

sub batch_codes ($e, $b) {
    return map { sprintf('E%d-B%03d-%03d', $e, $b, $_) } 0 .. $SIZE - 1;
}

sub ingest (@codes) {
    return $t->http('POST', '/api/v1/ingest/dossiers',
        headers => {%auth, 'Content-Type' => 'application/x-ndjson'},
        body => body(@codes));
}

sub token_of ($code) {
    my $mac = hmac_sha256($code, pack('H*', $QRKEY));
    return $code . '.' . encode_base64url(substr($mac, 0, 12));
}

# a failure must be a 507 with the error object
sub is_full ($r, $what) {
    my $err = eval { $json->decode($r->{content}) } // {};
    my $ok = $r->{status} == 507
        && ($err->{error}{code} // '') eq 'insufficient_storage'
        && length($err->{error}{message} // '') > 0;
    ok($ok, "$what: 507 insufficient_storage")
        or diag("$r->{status} " . substr($r->{content}, 0, 300));
}

my %acked;          # code => 1, every record a 200 acknowledged
my @failures;       # "status" of each failed write
my $full_lines = 0; # log lines about the full disk so far

for my $e (1 .. $EPISODES) {
    # fill: batches until one fails
    my ($n, $failed) = (0, undef);
    for ($n = 0; $n < $MAXBATCHES; $n++) {
        my @codes = batch_codes($e, $n);
        my $r = ingest(@codes);
        if ($r->{status} == 200) {
            $acked{$_} = 1 for @codes;
            next;
        }
        $failed = $r;
        last;
    }
    ok($failed, "episode $e: the disk fills after $n batches")
        or last;
    is_full($failed, "episode $e: the batch that found the disk full");

    # more writes of every kind while it is full: each succeeds or is 507
    for my $k (1 .. 3) {
        my @codes = batch_codes($e, $MAXBATCHES + $k);
        my $r = ingest(@codes);
        if ($r->{status} == 200) {
            $acked{$_} = 1 for @codes;
        } else {
            is_full($r, "episode $e: another batch on the full disk");
        }
    }

    my ($gone) = sort keys %acked;
    $r = $t->http('DELETE', "/api/v1/ingest/dossiers/$gone",
        headers => \%auth);
    if ($r->{status} == 200) {
        delete $acked{$gone};
    } else {
        is_full($r, "episode $e: a delete on the full disk");
    }

    # a catalog large enough to need new pages
    my $cat = $json->decode(Onestop::Test::catalog_json());
    push @{$cat->{procedures}}, map { {id => sprintf('2.%06d', $_),
        name => "Thủ tục $e $_ " . noise("P$e-$_"), field => 'tu-phap'} }
        1 .. 2000;
    $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%auth,
        body => $json->encode($cat));
    is_full($r, "episode $e: a large catalog on the full disk")
        if $r->{status} != 200;

    my ($evaluated) = sort { $b cmp $a } keys %acked;
    $r = $t->http('POST', '/api/v1/evaluations',
        headers => {'Content-Type' => 'application/json'},
        body => $json->encode({token => token_of($evaluated),
            answers => {2 => 2}}));
    is_full($r, "episode $e: an evaluation on the full disk")
        if $r->{status} != 201;

    if ($e == 1) {
        my @codes = batch_codes(0, 0);
        my ($rc, $stdout, $stderr) = $t->cli('import', '-', \body(@codes));
        isnt($rc, 0, 'onestop import on the full disk fails');
        like($stderr, qr/disk is full.*free space/,
            'onestop import says the disk is full, and what to do')
            or diag($stderr);
        $acked{$_} = 1 for $rc == 0 ? @codes : ();
    }

    my @lines = grep { /disk is full/ } split /\n/, $t->error_log;
    is(@lines - $full_lines, 1, "episode $e: one line in the error log")
        or diag(join("\n", @lines));
    $full_lines = @lines;

    # space freed: writes work again
    unlink shift @fillers;
    $r = ingest(batch_codes($e, $MAXBATCHES + 9));
    is($r->{status}, 200, "episode $e: space freed, a batch is written")
        or diag("$r->{status} $r->{content}");
    $acked{$_} = 1 for batch_codes($e, $MAXBATCHES + 9);
}

unlink @fillers;

# every acknowledged record is there
my @missing;
for my $code (sort keys %acked) {
    my $r = $t->get("/api/v1/dossiers/$code");
    push @missing, "$code: $r->{status}" if $r->{status} != 200;
}
is(scalar(@missing), 0, scalar(keys %acked) . ' acknowledged records are '
    . 'there') or diag(join("\n", @missing[0 .. ($#missing < 9 ? $#missing : 9)]));

my ($rc, $stdout, $stderr) = $t->cli('verify');
is($rc, 0, 'onestop verify is clean') or diag("$stdout$stderr");

my @log = split /\n/, $t->error_log;
my @full = grep { /disk is full/ } @log;
is(scalar(@full), $EPISODES, "one line per episode ($EPISODES)")
    or diag(join("\n", @full));
like($full[0] // '', qr/\[error\].*free space/,
    'at level error, saying what to do');
is(scalar(grep { /has room again/ } @log), $EPISODES,
    'and one line when each ends');
is(scalar(grep { /\[error\].*disk is full/ } @log), $EPISODES,
    'every episode at error');
is(scalar(grep { /\[notice\].*has room again: writes are accepted/ } @log),
    $EPISODES, 'every recovery at notice');
$t->check_log;

done_testing;
