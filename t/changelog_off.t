#!/usr/bin/perl

# The change log turned off (onestop_changelog_days 0) and on again: the
# changes committed while it was off are not in it, and a reader must not
# be sent back, for ever, to entries older than them.  The log held more
# than one commit trims (10,000 entries); it dropped them 10,000 a commit
# while off, so that once on again it held its oldest entries, then a
# hole, then the new ones: a reader following the log got 410 gone at the
# hole, started again from "oldest" as told, and met the same hole again.
# Now the whole log goes with the first commit while it is off.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;

use Onestop::Test;

local $SIG{ALRM} = sub { BAIL_OUT('changelog_off.t did not finish in 240 s') };
alarm 240;

my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new(today => '2024-06-15', workers => 1);
$t->spew('keys', sha256_hex('co-admin') . " * admin\n");
my %admin = (Authorization => 'Bearer co-admin');

sub conf ($days) {
    $t->write_standard_conf(serve => [qw(ingest)],
        http => "onestop_changelog_days $days;\n",
        location => { ingest => "client_max_body_size 64m;\n" },
        server => "location /api/v1/changes { onestop_changes; }\n");
}

sub dossier ($code) {
    return { code => $code, version => 1, agency => '000.00.12.H36',
        procedure => '1.001234', channel => 'online',
        applicant => { name => 'Trần Văn Hai' },
        received_at => '2024-06-14', due_at => '2024-06-24' };
}

sub write_batch (@codes) {
    return $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode([map { dossier($_) } @codes]))->{status};
}

sub changes ($after) {
    my $r = $t->get("/api/v1/changes?after=$after&limit=1000");
    return ($r->{status}, eval { $json->decode($r->{content}) } // {});
}

conf(31);
ok($t->start, 'nginx, the change log kept 31 days') or BAIL_OUT('no nginx');
is($t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json())->{status}, 200, 'a catalog');
is(write_batch(map { sprintf('CO-A%05d', $_) } 1 .. 10500), 200,
    '10,500 dossiers: more than one commit trims');
# follows the log from $after, a page after another: the status that
# ended it (200: nothing more), the last seq read, the codes read
sub follow ($after) {
    my ($st, $j, @codes);
    for (1 .. 30) {
        ($st, $j) = changes($after);
        last if $st != 200 || !@{ $j->{entries} };
        push @codes, map { $_->{code} // $_->{kind} } @{ $j->{entries} };
        $after = $j->{next};
    }
    return ($st, $after, \@codes, $j);
}

my ($st, $top, $codes) = follow(0);
is($st, 200, 'the log from the start');
ok($top >= 10501, "it holds them all (up to $top)");

conf(0);
ok($t->reload, 'reload: no change log');
is(write_batch('CO-B00001', 'CO-B00002'), 200,
    'two dossiers while the log is off, in one commit');

conf(31);
ok($t->reload, 'reload: the log kept again');
is(write_batch('CO-C00001'), 200, 'a dossier once the log is on again');

# a reader at the end of what it read before: 410, and "oldest" leads on
my $j;
($st, $j) = changes($top);
is($st, 410, 'a reader past the changes the log does not hold: 410 gone')
    or diag(explain($j));
# "start again from oldest": a page without after= begins there
my $r = $t->get('/api/v1/changes?limit=1');
my $oldest = eval { $json->decode($r->{content})->{oldest} };
ok(defined $oldest && $oldest > $top + 1,
    'the oldest entry is after the changes the log does not hold')
    or diag(explain($j));

# start again from "oldest" - 1, as told, and follow: never 410 again
my ($end, $seen);
($st, $end, $seen) = follow(($oldest // 1) - 1);
is($st, 200, 'followed from "oldest" - 1 without a 410');
is($seen->[-1], 'CO-C00001', 'up to the newest change');

$t->check_log;
$t->stop;
done_testing();
