#!/usr/bin/perl

# The CLI's side of replication (issue 14): status (role, sequence,
# digest as JSON), a backup that carries the sequence and digest, follow
# (the backup becomes a follower of a prefix), the follower refusing
# import, delete and catalog with exit status 1 and a message that names
# the primary's prefix (and reading as before), promote (a follower
# becomes a primary that takes writes; promoting a primary changes
# nothing), and the command line's mistakes.

use v5.36;
use utf8;

use lib 't/lib';

use JSON::PP;
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

local $SIG{ALRM} = sub { BAIL_OUT('replica_cli.t did not finish in 120 s') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15');
my $dir = $t->dir;
my $primary = $t->store;
my $follower = "$dir/follower";

sub record (%m) {
    return {
        version => 1,
        agency => '000.30.01.H36',
        procedure => '1.000894',
        channel => 'direct',
        applicant => {name => 'Phan Thị Mỹ Lệ', type => 'citizen'},
        contact => {phone => '0272 3826 123'},
        received_at => '2024-06-11T09:30:00+07:00',
        due_at => '2024-06-13T17:00:00+07:00',
        %m,
    };
}

sub ndjson (@recs) { join '', map { $json->encode($_) . "\n" } @recs }

# the CLI on any store: (exit status, stdout, stderr)
sub run_cli ($store, @args) {
    my $cmd = join ' ', map { Onestop::Test::quote($_) }
        $Onestop::Test::CLI, '--store', $store, @args;
    my $in = $t->spew('run.in', '');
    if (@args && ref $args[-1] eq 'SCALAR') {
        my $data = ${ pop @args };
        $in = $t->spew('run.in', $data);
        $cmd = join ' ', map { Onestop::Test::quote($_) }
            $Onestop::Test::CLI, '--store', $store, @args;
    }
    my $out = `$cmd 2>$dir/run.err <$in`;
    return ($? >> 8, $out, Onestop::Test::slurp("$dir/run.err"));
}

sub status ($store) {
    my ($rc, $out, $err) = run_cli($store, 'status');
    is($rc, 0, "status of $store exits 0") or diag($err);
    return eval { $json->decode($out) } // {};
}

sub one_line ($err, $name) {
    my @lines = split /\n/, $err;
    ok(@lines == 1 && length $lines[0], "$name: one line on stderr")
        or diag("stderr: $err");
}

# --- a primary ---

my $catfile = $t->spew('catalog.json', Onestop::Test::catalog_json());
my ($rc, $out, $err) = run_cli($primary, 'catalog', $catfile);
is($rc, 0, 'catalog') or diag($err);
($rc, $out, $err) = run_cli($primary, 'import', '-', \ndjson(
    record(code => 'R-1'), record(code => 'R-2'),
    record(code => 'R-3', agency => '000.00.12.H36', procedure => '1.001234')));
is($rc, 0, 'import') or diag($err);

my $s = status($primary);
is($s->{role}, 'primary', 'a store is a primary');
is($s->{seq}, 4, 'its sequence: the catalog and three records');
like($s->{digest}, qr/^[0-9a-f]{64}$/, 'its digest: 64 hex digits');
isnt($s->{digest}, '0' x 64, '... not zeros after writes');
is($s->{follows}, undef, 'it follows nobody');
ok(JSON::PP::is_bool($s->{log}) && !$s->{log}, 'log: false');
is_deeply([sort keys %$s], [qw(digest follows log published role seq)],
    'status: role, seq, digest, follows, published, log');

($rc, $out, $err) = run_cli($primary, 'delete', 'R-2');
is($rc, 0, 'a delete on the primary') or diag($err);
my $s2 = status($primary);
is($s2->{seq}, 5, 'the sequence moves');
isnt($s2->{digest}, $s->{digest}, 'and the digest with it');

# --- a backup carries the sequence and digest; it follows ---

($rc, $out, $err) = run_cli($primary, 'backup', $follower);
is($rc, 0, 'backup') or diag($err);
my $b = status($follower);
is_deeply([$b->{role}, $b->{seq}, $b->{digest}],
    ['primary', $s2->{seq}, $s2->{digest}],
    'the backup: the primary\'s sequence and digest');

($rc, $out, $err) = run_cli($follower, 'follow', 'onestop:prod');
is($rc, 0, 'follow exits 0') or diag($err);
my $f = eval { $json->decode($out) } // {};
is_deeply([$f->{role}, $f->{follows}, $f->{seq}, $f->{digest}],
    ['follower', 'onestop:prod', $s2->{seq}, $s2->{digest}],
    'follow prints the follower\'s status');
is_deeply(status($follower), $f, 'status says the same');

# --- a follower refuses writes ---

for my $case (
    ['import', '-', \ndjson(record(code => 'R-9'))],
    ['delete', 'R-1'],
    ['catalog', $catfile],
) {
    my $what = $case->[0];
    ($rc, $out, $err) = run_cli($follower, @$case);
    is($rc, 1, "$what on a follower: exit status 1");
    like($err, qr/read-only follower.*"onestop:prod".*primary/,
        "$what: the message says it follows onestop:prod and writes go "
        . 'to the primary');
    one_line($err, $what);
    is($out, '', "$what: nothing on stdout");
}

is(status($follower)->{seq}, $s2->{seq}, 'the follower\'s sequence did not '
    . 'move');
($rc, $out, $err) = run_cli($follower, 'get', 'R-1');
is($rc, 0, 'the follower reads') or diag($err);
is(eval { $json->decode($out)->{code} }, 'R-1', '... R-1');
($rc, $out, $err) = run_cli($follower, 'verify');
is($rc, 0, 'verify on the follower') or diag($err);

# --- promote ---

($rc, $out, $err) = run_cli($follower, 'promote');
is($rc, 0, 'promote exits 0') or diag($err);
my $p = eval { $json->decode($out) } // {};
is_deeply([$p->{role}, $p->{follows}, $p->{seq}, $p->{published}],
    ['primary', undef, $s2->{seq}, $s2->{seq}],
    'a primary that publishes from its sequence on');

($rc, $out, $err) = run_cli($follower, 'import', '-',
    \ndjson(record(code => 'R-9')));
is($rc, 0, 'the new primary takes an import') or diag($err);
is(status($follower)->{seq}, $s2->{seq} + 1, 'under the next sequence');

($rc, $out, $err) = run_cli($follower, 'promote');
is($rc, 0, 'promote on a primary exits 0');
like($err, qr/primary already/, '... and says nothing changed');
one_line($err, 'promote twice');

# --- the command line ---

($rc, $out, $err) = run_cli("$dir/nowhere", 'status');
is($rc, 1, 'status of no store: 1');
like($err, qr/no store/, '... says so');
ok(!-e "$dir/nowhere", '... and creates none');
($rc, $out, $err) = run_cli("$dir/nowhere", 'promote');
is($rc, 1, 'promote of no store: 1');
($rc, $out, $err) = run_cli($primary, 'follow');
is($rc, 2, 'follow without a prefix: 2');
($rc, $out, $err) = run_cli($primary, 'status', 'x');
is($rc, 2, 'status with an argument: 2');
($rc, $out, $err) = run_cli($primary, 'follow', 'a b');
is($rc, 1, 'a prefix with a space: 1');
like($err, qr/prefix/, '... says why');
is(status($primary)->{role}, 'primary', 'and the store is still a primary');

# a new store made a follower from nothing
($rc, $out, $err) = run_cli("$dir/fresh", 'follow', 'onestop');
is($rc, 0, 'follow creates an empty follower') or diag($err);
$f = eval { $json->decode($out) } // {};
is_deeply([$f->{role}, $f->{seq}, $f->{digest}],
    ['follower', 0, '0' x 64], 'at 0 with a zero digest');

($rc, $out, $err) = run_cli($primary, 'help-me');
is($rc, 2, 'an unknown command is still 2');

done_testing();
