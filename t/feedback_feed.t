#!/usr/bin/perl

# Questions on the change feed (issue 17, docs/feed.md) with a real Redis:
# a question asked by JSON and by the page's form, forwarded, answered and
# published, each appears on {prefix}:changes with kind "feedback", in
# order; and nothing of the sender's (name, contact, follow-up token) nor
# the question's own text is anywhere in Redis.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(decode encode);
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('feedback_feed.t did not finish') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;
my $root = $Onestop::Test::ROOT;

$ENV{ONESTOP_TIME} = '10:00';
my $t = Onestop::Test->new(today => '2024-06-14');
my $rport = $t->start_redis;
$t->spew('keys', sha256_hex('ff-admin') . " * admin\n");
$t->write_standard_conf(serve => [qw(ingest)], zone => '8m',
    redis => "127.0.0.1:$rport prefix=t interval=100 maxlen=100000",
    http => "onestop_calendar $root/conf/calendar-vn.txt;\n",
    server => "location /api/v1/feedback { onestop_feedback json; }\n"
        . "location /hoi-dap { onestop_feedback html; }\n"
        . "location /api/v1/ingest/feedback { onestop_feedback ingest; }\n",
    main => "env ONESTOP_TIME;\n");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer ff-admin');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog');

sub jpost ($path, $body, %h) {
    my $r = $t->http('POST', $path, headers => {%h,
        'Content-Type' => 'application/json'}, body => $json->encode($body));
    return ($r, eval { $json->decode($r->{content}) } // {});
}

my @secret = ('Phạm Minh Khôi', '0987 654 321', 'khoi.pham@example.vn',
    'Võ Thị Lan', 'Nhà tôi ở ấp 3 xã Phước Lý');

my ($j, $k);
($r, $j) = jpost('/api/v1/feedback', {kind => 'question',
    agency => '000.00.12.H36', subject => 'Hồ sơ lý lịch tư pháp',
    text => $secret[4], name => $secret[0], contact => $secret[1]});
is($r->{status}, 201, 'a question by JSON') or diag($r->{content});

my $body = join '&', map { my $v = encode('UTF-8', $_->[1]);
    $v =~ s/([^A-Za-z0-9_.-])/sprintf('%%%02X', ord $1)/ge; "$_->[0]=$v" }
    [kind => 'complaint'], [subject => 'Phản ánh thủ tục'],
    [text => 'Chờ quá lâu'], [name => $secret[3]], [contact => $secret[2]],
    [website => ''];
$r = $t->http('POST', '/hoi-dap', body => $body,
    headers => {'Content-Type' => 'application/x-www-form-urlencoded'});
is($r->{status}, 201, 'a complaint by the form');
my ($token2) = decode('UTF-8', $r->{content})
    =~ /class="token">([A-Za-z0-9_-]{22})</;
push @secret, $j->{token}, $token2;

($r, $k) = jpost("/api/v1/ingest/feedback/$j->{id}",
    {forward_to => '000.00.30.H36'}, %admin);
is($r->{status}, 200, 'forwarded') or diag($r->{content});
($r, $k) = jpost("/api/v1/ingest/feedback/$j->{id}",
    {answer => 'Thời hạn cấp phiếu là 10 ngày.', publish => JSON::PP::true},
    %admin);
is($r->{status}, 200, 'answered and published') or diag($r->{content});

# the feed: four changes of kind feedback, within a few publishing rounds
my @fb;
my $deadline = time + 10;
while (time < $deadline) {
    my $out = decode('UTF-8', $t->redis('XRANGE', 't:changes', '-', '+'));
    @fb = grep { /\bfeedback\b/ } split /\n(?=\d+-\d+\n)/, $out;
    last if @fb >= 4;
    sleep 0.2;
}
is(scalar @fb, 4, 'asked twice, forwarded, answered: 4 feedback changes')
    or diag($t->redis('XRANGE', 't:changes', '-', '+'));
like($fb[0] // '', qr/\bkind\s+feedback\b/, 'of kind "feedback"');

# nothing personal anywhere in Redis: every key, every value
my $all = '';
for my $key (split /\n/, $t->redis('--scan')) {
    my $type = $t->redis('TYPE', $key);
    $all .= $type =~ /stream/ ? $t->redis('XRANGE', $key, '-', '+')
          : $type =~ /hash/ ? $t->redis('HGETALL', $key)
          : $type =~ /string/ ? $t->redis('GET', $key) : '';
}
$all = decode('UTF-8', $all);
ok(length $all, 'Redis holds the feed');
for my $s (@secret) {
    next unless defined $s;
    my $digits = $s =~ /^[\d ]+$/ ? $s =~ s/ //gr : undef;
    ok(index($all, $s) < 0
       && (!defined $digits || index($all, $digits) < 0),
       "not in Redis: '$s'");
}
for my $part ('Phạm', 'Khôi', 'Lan', '@example') {
    ok(index($all, $part) < 0, "no part of a name or contact: $part");
}

$t->stop;
$t->stop_redis;
done_testing();
