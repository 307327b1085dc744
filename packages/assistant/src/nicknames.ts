/**
 * Common English nicknames and the names they are short for: "Bill" is William, "Kate" is
 * Katherine (or Kathryn, Catherine). Matching runs both ways: a person saved as "Bill" is found
 * by "William" too.
 */
const GROUPS = [
  'william bill billy will willy liam',
  'robert bob bobby rob robbie bert',
  'richard rick ricky dick rich',
  'james jim jimmy jamie',
  'john jack johnny jon',
  'jonathan jon jonny',
  'michael mike mikey mick mickey',
  'thomas tom tommy',
  'joseph joe joey',
  'charles charlie chuck chas',
  'christopher chris kit',
  'daniel dan danny',
  'david dave davey',
  'edward ed eddie ted teddy ned',
  'henry hank harry hal',
  'harold harry hal',
  'anthony tony',
  'andrew andy drew',
  'nicholas nick nicky',
  'matthew matt matty',
  'benjamin ben benny',
  'samuel sam sammy',
  'alexander alex al sandy xander',
  'steven stephen steve stevie',
  'timothy tim timmy',
  'patrick pat paddy',
  'peter pete',
  'gregory greg',
  'ronald ron ronnie',
  'donald don donnie',
  'kenneth ken kenny',
  'lawrence larry',
  'frederick fred freddie',
  'theodore theo ted teddy',
  'zachary zach zack',
  'joshua josh',
  'nathaniel nathan nate',
  'gerald gerry jerry',
  'leonard leo len lenny',
  'raymond ray',
  'eugene gene',
  'katherine catherine kathryn katharine kate katie kathy cathy kat kit',
  'elizabeth liz lizzy beth betty eliza libby',
  'margaret maggie meg peggy marge',
  'jennifer jen jenny',
  'jessica jess jessie',
  'rebecca becky becca',
  'susan sue susie suzy',
  'deborah debbie deb',
  'patricia pat patty tricia trish',
  'victoria vicky tori',
  'christine christina chris chrissy tina',
  'alexandra alex lexi sandra sandy',
  'samantha sam sammy',
  'abigail abby gail',
  'amanda mandy',
  'barbara barb barbie',
  'dorothy dot dottie',
  'eleanor ellie nora elle',
  'frances fran frannie',
  'josephine jo josie',
  'kimberly kim',
  'melissa mel missy',
  'pamela pam',
  'stephanie steph',
  'theresa teresa terry tess',
  'valerie val',
  'allison alison ally allie',
  'caroline carol carrie',
  'madeline madeleine maddie',
  'natalie nat',
  'olivia liv livvy',
  'sophia sofia sophie',
  'gabriel gabe',
  'gabriella gabrielle gabby',
];

/** Each word of each group, with every word of its groups (itself too): a word may be in several. */
export function synonymGroups(groups: string[]): Map<string, Set<string>> {
  const by = new Map<string, Set<string>>();
  for (const group of groups) {
    const words = group.split(' ');
    for (const w of words) {
      const set = by.get(w) ?? new Set<string>();
      for (const x of words) set.add(x);
      by.set(w, set);
    }
  }
  return by;
}

const BY_NAME = synonymGroups(GROUPS);

/** The other forms of a first name ("bill" → william, will, billy…), lower case. */
export function nicknameForms(name: string): string[] {
  const lower = name.toLowerCase();
  return [...(BY_NAME.get(lower) ?? [])].filter((n) => n !== lower);
}
