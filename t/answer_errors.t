#!/usr/bin/perl

# An answer that cannot be computed (statistics, apologies, widgets, the
# evaluation summary, /metrics' figures) says why in the error log, with
# the store: here a catalog entry damaged with mdb_load before nginx
# starts, as a disk error would leave it.  Before, the line was "could not
# compute an answer from store" and nothing more (h-truth's suspicion);
# the client is told only that the answer could not be computed.

use v5.36;
use utf8;

use lib 't/lib';

use JSON::PP;
use Test::More;

use Onestop::Test;

plan skip_all => 'mdb_load (lmdb-utils) is not installed'
    unless system('command -v mdb_load >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('answer_errors.t did not finish') };
alarm 60;

my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new(today => '2024-06-15', workers => 1);
my ($rc, $out, $err) = $t->cli('demo', '300');
is($rc, 0, 'a demo store') or diag($err);

# the first agency's entry: one byte
open(my $load, '|-', 'mdb_load -T -s catalog ' . $t->store) or die;
print $load "\\41\\00\\00\\00\\01\n\\ff\n";
close $load or die "mdb_load: $?";

$t->write_standard_conf(serve => [qw(stats)], zone => '1m', keys => 0);
ok($t->start, 'nginx starts') or BAIL_OUT('no nginx');

my $log = length $t->error_log;
my $r = $t->get('/api/v1/stats?period=year&group=agency');
is($r->{status}, 500, 'the statistics: 500');
my $store = $t->store;
like(substr($t->error_log, $log),
    qr/\[error\].*could not compute an answer from store "\Q$store\E": the stored catalog could not be loaded/,
    'the log says why');
my $e = eval { $json->decode($r->{content}) } // {};
is($e->{error}{code}, 'internal_error', 'the client: internal_error');
unlike($r->{content}, qr/catalog|damaged|\Q$store\E/,
    '... and nothing of the store');

done_testing();
